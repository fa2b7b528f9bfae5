"""Lecture demonstrations and offline demos: the numbers behind each lesson."""
