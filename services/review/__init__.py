"""Review 部门审核: Cross-department verification (社保, 税务, 公安, 住建) of what applicants declared. 跨部门核验。"""
