"""
Dumpers: write a store's rows to files the builders read back to the same values.

One module per format; `graph.sqlite_dumper` (factory.py) is the graph's front for them.

"""
