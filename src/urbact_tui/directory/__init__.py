"""The directory core: schema, loader, store, search and cards. No UI code here."""
