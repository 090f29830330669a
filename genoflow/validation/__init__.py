"""Implementation of input validation; import the public names from `genoflow.validate`."""
