"""환경설정: users, the contract and its items, the first setup and the demo academy."""
