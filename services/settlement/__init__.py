"""Settlement 落户办理: Letters as verifiable documents, revocation, and bad-conduct records. 函件、核验、撤销与失信记录。"""
