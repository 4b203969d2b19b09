-- A bare query: the stream table is named after the file (shop_summary). One row, even with no orders.
SELECT count(*) AS orders, sum(quantity) AS items, avg(amount) AS average_amount, max(amount) AS largest
FROM orders
