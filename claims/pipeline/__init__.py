"""Pure pipeline stages: clean, split, detect, attribute, embed. They import neither the database nor Streamlit and load no model at import."""
