"""Customer: customers, sites, pages, assets, publishing and domains (internal; core calls it)."""
