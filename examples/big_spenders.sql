-- Customers per region whose lifetime spend passes 1000: the per-customer totals are a subquery that aggregates, kept
-- whole in storage of its own, and maintained in the same statement as the stream table that joins them.
CREATE STREAM TABLE big_spenders
WITH (schedule = '10s')
AS
SELECT c.region,
       count(*)       AS customers,
       sum(t.spend)   AS their_spend
FROM customers AS c
JOIN (SELECT customer_id, sum(amount) AS spend
      FROM orders
      WHERE status <> 'cancelled'
      GROUP BY customer_id) AS t ON t.customer_id = c.id
WHERE t.spend > 1000
GROUP BY c.region;
