"""HTTP views: thin blueprints that load, check access, call a service and render."""
