"""The Textual App classes that assemble screens into the app, the board and the kiosk.
May import screens, services, rules and storage; never the command line."""
