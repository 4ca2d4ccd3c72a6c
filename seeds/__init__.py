"""The seed list shipped with govlinks (data package: sites.csv, themes.csv, life_events.csv)."""
