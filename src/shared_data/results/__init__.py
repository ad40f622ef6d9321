"""The electronic results store: results published by procedure backends, reusable at once.

`service.ResultsService` publishes, revokes and supersedes (audited); `adapter` lets ordinary
lookups find published results (`ResultsStoreAdapter`, composed with the Kho's own adapter by
`StoreFirstAdapter`); `sealing` is what is kept of personal data at rest, and why.
"""
