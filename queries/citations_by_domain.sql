-- Domains cited in AI answers (`aivis report citations --by domain`): how often, in how many
-- answers and by how many engines, and whose they are (owner_role brand or competitor, NULL
-- for neither). share: the domain's citations among all citations in the period.
-- params: site, from, to
-- Any parameter may be NULL (no filter). Days are UTC `YYYY-MM-DD`, both ends inclusive.
SELECT c.domain,
       MAX(c.owner_role) AS owner_role,
       MAX(c.owner_entity) AS owner_entity,
       COUNT(*) AS citations,
       COUNT(DISTINCT c.answer_id) AS answers,
       COUNT(DISTINCT a.engine) AS engines,
       CAST(COUNT(*) AS DOUBLE PRECISION)
           / CAST(SUM(COUNT(*)) OVER () AS DOUBLE PRECISION) AS share
FROM citations c
JOIN answers a ON a.id = c.answer_id
WHERE (:site IS NULL OR a.site = :site)
      AND (:from IS NULL OR a.day >= :from)
      AND (:to IS NULL OR a.day <= :to)
GROUP BY c.domain
ORDER BY citations DESC, c.domain
