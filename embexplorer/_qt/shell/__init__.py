"""The window frame: docks, menus, toolbar and status bar built from what the features return."""
