"""처음 설정 마법사: the first-start wizard."""
