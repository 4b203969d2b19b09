-- Each customer's three most recent orders: a LATERAL subquery with ORDER BY … LIMIT, maintained as a per-customer
-- top-3 of orders (ranked per customer_id and kept whole), so an order changes the ranking of its customer only.
CREATE STREAM TABLE latest_orders
WITH (schedule = '5s')
AS
SELECT c.id AS customer_id,
       c.name,
       recent.id AS order_id,
       recent.amount,
       recent.ordered_at
FROM customers AS c
CROSS JOIN LATERAL (SELECT o.id, o.amount, o.ordered_at
                    FROM orders AS o
                    WHERE o.customer_id = c.id
                      AND o.status <> 'cancelled'
                    ORDER BY o.ordered_at DESC, o.id DESC
                    LIMIT 3) AS recent;
