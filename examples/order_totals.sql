-- Revenue and order statistics per customer, refreshed every 5 seconds.
CREATE STREAM TABLE order_totals
WITH (schedule = '5s', refresh_mode = 'differential')
AS
SELECT customer_id,
       count(*)                 AS orders,
       sum(amount)              AS revenue,
       avg(amount)              AS average_amount,
       min(ordered_at)          AS first_order,
       max(ordered_at)          AS last_order
FROM orders
WHERE status <> 'cancelled'
GROUP BY customer_id;
