-- Customers per spending tier, read from the stream table order_totals: a stream table over a stream table. Its
-- changes are captured on order_totals' storage, and each refresh of customer_tiers refreshes order_totals first.
-- Compile it with the upstream's definition as schema too:
--   trickle compile examples/customer_tiers.sql --schema examples/schema.sql --schema examples/order_totals.sql
CREATE STREAM TABLE customer_tiers
WITH (schedule = '10s', refresh_mode = 'differential')
AS
SELECT CASE WHEN revenue >= 1000 THEN 'gold'
            WHEN revenue >= 100 THEN 'silver'
            ELSE 'bronze' END   AS tier,
       count(*)                 AS customers,
       sum(orders)              AS orders,
       sum(revenue)             AS revenue
FROM order_totals
GROUP BY 1;
