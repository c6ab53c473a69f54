"""What supervisors read and check beyond the queue: blind second review (qa), the
report and its rows and PDF, the decision log and exports of decisions."""
