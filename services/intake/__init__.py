"""Intake 申报受理: Accounts, rounds and phases, and declarations from applicants and employers. 账户、年度与阶段、申请人与用人单位的申报。"""
