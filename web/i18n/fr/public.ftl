# Public pages (home dashboard, indicators, explorer, map, downloads): fr.
