"""송수신: building and sending request files, receiving results, the relay, the scheduler and the bank file codecs."""
