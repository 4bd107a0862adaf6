-- Citations per engine (`aivis report citations --by engine`): ok answers, answers citing
-- anything, citations, and how often the brand's own domains are cited (brand_citations, and
-- answers_citing_brand, whose rate aivis adds with its Wilson 95% interval).
-- params: site, from, to
-- Any parameter may be NULL (no filter). Days are UTC `YYYY-MM-DD`, both ends inclusive.
WITH per_answer AS (
    SELECT a.id,
           a.engine,
           COUNT(c.position) AS citations,
           CAST(SUM(CASE WHEN c.owner_role = 'brand' THEN 1 ELSE 0 END) AS BIGINT) AS brand_citations
    FROM answers a
    LEFT JOIN citations c ON c.answer_id = a.id
    WHERE a.status = 'ok'
      AND (:site IS NULL OR a.site = :site)
      AND (:from IS NULL OR a.day >= :from)
      AND (:to IS NULL OR a.day <= :to)
    GROUP BY a.id, a.engine
)
SELECT engine,
       COUNT(*) AS answers,
       CAST(SUM(CASE WHEN citations > 0 THEN 1 ELSE 0 END) AS BIGINT) AS citing_answers,
       CAST(SUM(citations) AS BIGINT) AS citations,
       CAST(SUM(brand_citations) AS BIGINT) AS brand_citations,
       CAST(SUM(CASE WHEN brand_citations > 0 THEN 1 ELSE 0 END) AS BIGINT) AS answers_citing_brand
FROM per_answer
GROUP BY engine
ORDER BY engine
