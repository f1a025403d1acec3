"""threatdetect inside other engines: a spaCy pipeline component and Spark DataFrames.

Each module here imports its engine (spaCy, pyspark) and adapts the `Detector` to it; nothing in the
rest of the package imports these modules, except the CLI's engine switch.
"""
