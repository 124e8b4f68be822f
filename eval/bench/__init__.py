"""The SQuAD benchmark (python -m eval bench), apart from the quality eval."""
