# Workspaces of signed-in users (data officers, analysts, case workers, administrators): fr.
