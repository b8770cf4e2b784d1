"""Pure rules of the intake service: phases of a round, what each role may see, material types.

Standard library only; the caller passes dates and data in.
"""
