"""The frame around the screens: start-up, login, the main window and its menu, the tray and the home screen."""
