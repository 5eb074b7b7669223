"""집계 screens: the aggregates by item, grade and bank, the charts and the settlement."""
