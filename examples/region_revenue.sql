-- Revenue per customer region: an inner join maintained incrementally (changes to either table are applied).
CREATE STREAM TABLE region_revenue
WITH (schedule = '10s', refresh_mode = 'differential')
AS
SELECT c.region,
       count(*)           AS orders,
       sum(o.amount)      AS revenue,
       max(o.ordered_at)  AS last_order
FROM orders AS o
JOIN customers AS c ON c.id = o.customer_id
WHERE o.status <> 'cancelled'
GROUP BY c.region;
