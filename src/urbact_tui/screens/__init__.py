"""The app's screens: search and detail, the meeting timeline, help, and errors."""
