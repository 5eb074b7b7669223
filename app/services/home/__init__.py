"""오늘 할 일: what the home screen and the tray tell the clerk today."""
