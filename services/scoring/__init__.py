"""Scoring 积分计算: The points rules as versioned policy, explained line by line, and the ranking of a round. 积分规则、解释与排名。"""
