# Public pages (home dashboard, indicators, explorer, map, downloads): ar.
