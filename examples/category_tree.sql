-- Every category with each of its ancestors (itself included): a recursive CTE under set semantics (UNION), kept
-- correct through re-parenting and deletions by delete-and-rederive, whatever cycles the data holds.
CREATE STREAM TABLE category_ancestors WITH (refresh_mode = 'differential') AS
WITH RECURSIVE ancestry(category_id, ancestor_id) AS (
    SELECT id, id FROM categories
    UNION
    SELECT a.category_id, c.parent_id
    FROM ancestry a
    JOIN categories c ON c.id = a.ancestor_id
    WHERE c.parent_id IS NOT NULL
)
SELECT category_id, ancestor_id FROM ancestry
