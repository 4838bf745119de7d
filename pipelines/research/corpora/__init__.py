"""Document collections behind one adapter: every builder yields `Document`s (id, title, text,
outgoing links, a one-line summary, program-extractable facts); `library` builds them once into
the cache and loads them with their search index."""
