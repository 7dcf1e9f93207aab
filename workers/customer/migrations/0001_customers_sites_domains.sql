-- Customer owns customers, sites and domains. Times are Unix seconds (REAL).
CREATE TABLE customers (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL UNIQUE,  -- core's account id
    created_at REAL NOT NULL
);

CREATE TABLE sites (
    id TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    created_at REAL NOT NULL
);
CREATE INDEX sites_by_customer ON sites(customer_id);

CREATE TABLE domains (
    hostname TEXT PRIMARY KEY COLLATE NOCASE,
    site_id TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    status TEXT NOT NULL DEFAULT 'pending',
    created_at REAL NOT NULL
);
