SELECT * FROM (
SELECT region, sum(amount) AS total
FROM orders
GROUP BY region
ORDER BY region NULLS LAST
) AS q
LIMIT 10
