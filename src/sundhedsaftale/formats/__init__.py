"""Date and number formats per language (settings.FORMAT_MODULE_PATH).

Danish: "1. januar 2024" (Django's own, stated here so both languages are read in one place).
English: "1 January 2024" instead of Django's American "Jan. 1, 2024", with 24-hour times.
"""
