"""The catalog of kinds and the physical items in the house's custody, a pure domain of the house.

A kind (catalogue type + issue + grade) is what trades as interchangeable units; an item is one
physical piece (or a bundle of one kind) the house holds. Depositing an item credits its units to
the depositor on the ledger; shipping it out debits them from the holder it ships to.
"""
