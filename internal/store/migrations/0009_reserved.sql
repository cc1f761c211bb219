-- Number 0009 is taken by another branch's migration (store retention, dashboard reads); this empty file only keeps the numbering without gaps here and goes away when that branch is merged.
SELECT 1;
