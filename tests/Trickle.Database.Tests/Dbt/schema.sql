-- The sources of the dbt test project (dbt's sources.yml points at these).
CREATE TABLE public.customers (id integer PRIMARY KEY, name text NOT NULL, region text);
CREATE TABLE public.orders (id bigint PRIMARY KEY, customer_id integer NOT NULL, status text NOT NULL, amount numeric(12,2) NOT NULL);
