"""Moving audits between databases: offline bundles and their merge."""
