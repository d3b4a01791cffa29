"""Everything that knows SNOMED CT: RF2, SCTIDs, the translation memory. Imports no other helder package."""
