-- Source schema for the examples: an online shop.
CREATE TABLE customers (
    id          integer PRIMARY KEY,
    name        text NOT NULL,
    region      text,
    signed_up   date NOT NULL
);

CREATE TABLE orders (
    id          bigint PRIMARY KEY,
    customer_id integer NOT NULL,
    status      varchar(20) NOT NULL DEFAULT 'open',
    amount      numeric(12,2),
    quantity    integer NOT NULL,
    ordered_at  timestamp with time zone NOT NULL
);

-- A keyless table: every row is an event, duplicates are real.
CREATE TABLE page_views (
    path        text NOT NULL,
    referrer    text,
    duration_ms integer,
    viewed_at   timestamptz NOT NULL
);

-- The shop's catalogue: categories form a tree (parent_id), products are assembled from parts (a bill of materials).
CREATE TABLE categories (
    id          integer PRIMARY KEY,
    parent_id   integer,
    name        text NOT NULL
);

CREATE TABLE assembly_parts (
    assembly_id integer NOT NULL,
    part_id     integer NOT NULL,
    quantity    integer NOT NULL
);
