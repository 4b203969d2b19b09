-- Orders and revenue per customer region over a FULL JOIN: customers without orders still count (as rows with no
-- order), and orders whose customer is missing (there is no foreign key) still count, under a NULL region.
CREATE STREAM TABLE customer_activity AS
SELECT c.region,
       count(o.id) AS orders,
       count(*) - count(o.id) AS customers_without_orders,
       COALESCE(sum(o.amount), 0) AS revenue
FROM customers c
FULL JOIN orders o ON o.customer_id = c.id
GROUP BY c.region;
