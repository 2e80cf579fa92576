print("mscreg")
