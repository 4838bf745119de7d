"""Many runs → one training set in set shares of tokens (`factory mix`)."""
