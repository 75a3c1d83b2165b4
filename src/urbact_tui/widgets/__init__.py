"""The app's widgets: the search field, the result list and the detail pane."""
