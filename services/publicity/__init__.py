"""Publicity 公示: The public notice, objections with a sealed reporter identity, and closing. 公示名单、实名举报与公示结束。"""
