"""Who works on a database: users, their roles and passwords, and the settings a
team's supervisors hold for everyone."""
