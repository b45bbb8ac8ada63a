print("etl-run")
