-- pg_trickle's call form: the open orders with a computed line total.
SELECT pgtrickle.create_stream_table(
    'open_orders',
    $$SELECT id, customer_id, amount * quantity AS line_total, ordered_at
      FROM orders
      WHERE status = 'open'$$,
    schedule => '3s',
    refresh_mode => 'DIFFERENTIAL'
);
